"""Hyper-V enums with the numeric values of the Microsoft.HyperV.PowerShell module (reference §3)."""
from ..ps.types import register_enum
from ..ps.values import EnumType

_NS = "Microsoft.HyperV.PowerShell."

VMReplicationState = EnumType(_NS + "VMReplicationState", [
    ("Disabled", 0), ("ReadyForInitialReplication", 1), ("InitialReplicationInProgress", 2),
    ("WaitingForInitialReplication", 3), ("Replicating", 4), ("PreparedForFailover", 5),
    ("FailedOverWaitingCompletion", 6), ("FailedOver", 7), ("Suspended", 8), ("Error", 9),
    ("WaitingForStartResynchronize", 10), ("Resynchronizing", 11), ("ResynchronizeSuspended", 12),
    ("RecoveryInProgress", 13), ("FailbackInProgress", 14), ("FailbackComplete", 15),
    ("WaitingForUpdateCompletion", 16), ("UpdateError", 17), ("WaitingForRepurposeCompletion", 18),
    ("PreparedForSyncReplication", 19), ("PreparedForGroupReverseReplication", 20), ("FiredrillInProgress", 21)])
VMReplicationHealthState = EnumType(_NS + "VMReplicationHealthState", [
    ("NotApplicable", 0), ("Normal", 1), ("Warning", 2), ("Critical", 3)])
VMReplicationMode = EnumType(_NS + "VMReplicationMode", [
    ("None", 0), ("Primary", 1), ("Replica", 2), ("TestReplica", 3), ("ExtendedReplica", 4)])
VMReplicationRelationshipType = EnumType(_NS + "VMReplicationRelationshipType", [("Simple", 0), ("Extended", 1)])
ReplicationAuthenticationType = EnumType(_NS + "ReplicationAuthenticationType", [("Kerberos", 1), ("Certificate", 2)])
RecoveryAuthenticationType = EnumType(_NS + "RecoveryAuthenticationType", [
    ("Kerberos", 1), ("Certificate", 2), ("CertificateAndKerberos", 3)])
VMReplicationType = EnumType(_NS + "VMReplicationType", [
    ("None", 0), ("Regular", 1), ("ApplicationConsistent", 2), ("Planned", 3)])
SnapshotType = EnumType(_NS + "SnapshotType", [
    ("Standard", 0), ("Recovery", 1), ("Planned", 2), ("Missing", 5), ("Replica", 6), ("AppConsistentReplica", 7),
    ("SyncedReplica", 8)])
VMState = EnumType(_NS + "VMState", [
    ("Other", 1), ("Running", 2), ("Off", 3), ("Stopping", 4), ("Saved", 6), ("Paused", 9), ("Starting", 10),
    ("Reset", 11), ("Saving", 32773), ("Pausing", 32776), ("Resuming", 32777), ("FastSaved", 32779),
    ("FastSaving", 32780), ("RunningCritical", 32781), ("OffCritical", 32782), ("StoppingCritical", 32783),
    ("SavedCritical", 32784), ("PausedCritical", 32785), ("StartingCritical", 32786), ("ResetCritical", 32787),
    ("SavingCritical", 32788), ("PausingCritical", 32789), ("ResumingCritical", 32790),
    ("FastSavedCritical", 32791), ("FastSavingCritical", 32792)])
VMSwitchType = EnumType(_NS + "VMSwitchType", [("Private", 0), ("Internal", 1), ("External", 2)])
VMNetworkAdapterVlanMode = EnumType(_NS + "VMNetworkAdapterVlanMode", [
    ("Untagged", 0), ("Access", 1), ("Trunk", 2), ("Private", 3)])
VMOperationalStatus = EnumType(_NS + "VMOperationalStatus", [("Ok", 2), ("Degraded", 3), ("PredictiveFailure", 5),
                                                            ("InService", 11), ("Dormant", 15)])

for _e in (VMReplicationState, VMReplicationHealthState, VMReplicationMode, VMReplicationRelationshipType,
           ReplicationAuthenticationType, RecoveryAuthenticationType, VMReplicationType, SnapshotType, VMState,
           VMSwitchType, VMNetworkAdapterVlanMode, VMOperationalStatus):
    register_enum(_e)

# PowerShell state name -> WMI Msvm_ReplicationRelationship.ReplicationState value (reference §3)
WMI_STATE = {
    "Disabled": 0, "ReadyForInitialReplication": 1, "InitialReplicationInProgress": 2,
    "WaitingForInitialReplication": 2, "Replicating": 3, "PreparedForFailover": 4,
    "FailedOverWaitingCompletion": 5, "FailedOver": 6, "Suspended": 7, "Error": 8,
    "WaitingForStartResynchronize": 9, "Resynchronizing": 10, "ResynchronizeSuspended": 11,
    "RecoveryInProgress": 12, "FailbackInProgress": 13, "FailbackComplete": 14, "WaitingForUpdateCompletion": 15,
    "UpdateError": 16, "WaitingForRepurposeCompletion": 18, "PreparedForSyncReplication": 19,
    "PreparedForGroupReverseReplication": 20, "FiredrillInProgress": 21,
}
