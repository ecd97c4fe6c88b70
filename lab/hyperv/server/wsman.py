"""WS-Management SOAP envelopes for the WinRS cmd shell: request parsing, responses and faults."""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
}
SHELL_CMD = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
A_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
A_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
A_COMMAND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
A_RECEIVE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
A_SIGNAL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
A_SEND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
STATE_DONE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"
STATE_RUNNING = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"

FAULT_TIMEOUT = 2150858793
FAULT_SHELL_NOT_FOUND = 2150858843
FAULT_ACTION_UNSUPPORTED = 2150858782
FAULT_RESOURCE_UNSUPPORTED = 2150858811
FAULT_PARSE = 2150858817


class WSManFault(Exception):
    def __init__(self, code, subcode, reason, wsman_code, detail=None):
        super().__init__(reason)
        self.code, self.subcode, self.reason, self.wsman_code = code, subcode, reason, wsman_code
        self.detail = detail or reason


def _q(prefix, tag):
    return "{%s}%s" % (NS[prefix], tag)


class Request:
    def __init__(self, body):
        try:
            self.root = ET.fromstring(body)
        except ET.ParseError as e:
            raise WSManFault("s:Sender", "w:SchemaValidationError", "The SOAP XML in the message does not match the "
                             "corresponding XML schema definition: %s" % e, FAULT_PARSE)
        header = self.root.find(_q("s", "Header"))
        self.body = self.root.find(_q("s", "Body"))
        if header is None or self.body is None:
            raise WSManFault("s:Sender", "w:SchemaValidationError", "The SOAP envelope has no header or body.",
                             FAULT_PARSE)
        self.action = (header.findtext(_q("a", "Action")) or "").strip()
        self.message_id = (header.findtext(_q("a", "MessageID")) or "").strip()
        self.resource_uri = (header.findtext(_q("w", "ResourceURI")) or "").strip()
        self.timeout = _duration(header.findtext(_q("w", "OperationTimeout")), 60.0)
        self.selectors = {s.get("Name"): (s.text or "").strip()
                          for s in header.iter(_q("w", "Selector"))}
        self.options = {o.get("Name"): (o.text or "").strip() for o in header.iter(_q("w", "Option"))}

    @property
    def shell_id(self):
        return self.selectors.get("ShellId")


def _duration(text, default):
    if not text:
        return default
    t = text.strip().upper()
    if t.startswith("PT") and t.endswith("S"):
        try:
            return float(t[2:-1])
        except ValueError:
            return default
    return default


def envelope(action, relates_to, body_xml):
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<s:Envelope xml:lang="en-US" xmlns:s="%s" xmlns:a="%s" xmlns:x="%s" xmlns:w="%s" xmlns:rsp="%s" '
            'xmlns:p="%s"><s:Header><a:Action>%s</a:Action><a:MessageID>uuid:%s</a:MessageID>'
            '<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>'
            '<a:RelatesTo>%s</a:RelatesTo></s:Header><s:Body>%s</s:Body></s:Envelope>'
            % (NS["s"], NS["a"], NS["x"], NS["w"], NS["rsp"], NS["p"], action, str(uuid.uuid4()).upper(),
               escape(relates_to), body_xml)).encode("utf-8")


def fault_envelope(fault, relates_to, machine):
    body = ('<s:Fault><s:Code><s:Value>%s</s:Value><s:Subcode><s:Value>%s</s:Value></s:Subcode></s:Code>'
            '<s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason><s:Detail>'
            '<f:WSManFault xmlns:f="%s" Code="%d" Machine="%s"><f:Message>%s</f:Message></f:WSManFault>'
            '</s:Detail></s:Fault>' % (fault.code, fault.subcode, escape(fault.reason), NS["f"], fault.wsman_code,
                                       escape(machine), escape(fault.detail)))
    return envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", relates_to, body)


def shell_created(shell_id, address, resource_uri):
    return ('<x:ResourceCreated><a:Address>%s</a:Address><a:ReferenceParameters><w:ResourceURI>%s</w:ResourceURI>'
            '<w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet></a:ReferenceParameters>'
            '</x:ResourceCreated><rsp:Shell><rsp:ShellId>%s</rsp:ShellId><rsp:ResourceUri>%s</rsp:ResourceUri>'
            '<rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams>'
            '</rsp:Shell>' % (escape(address), resource_uri, shell_id, shell_id, resource_uri))


def command_response(command_id):
    return "<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>" % command_id


def receive_response(command_id, stdout_chunks, stderr_chunks, done, exit_code):
    import base64
    parts = ["<rsp:ReceiveResponse>"]
    for data in stdout_chunks:
        parts.append('<rsp:Stream Name="stdout" CommandId="%s">%s</rsp:Stream>'
                     % (command_id, base64.b64encode(data).decode("ascii")))
    for data in stderr_chunks:
        parts.append('<rsp:Stream Name="stderr" CommandId="%s">%s</rsp:Stream>'
                     % (command_id, base64.b64encode(data).decode("ascii")))
    if done:
        parts.append('<rsp:Stream Name="stdout" CommandId="%s" End="true"></rsp:Stream>' % command_id)
        parts.append('<rsp:Stream Name="stderr" CommandId="%s" End="true"></rsp:Stream>' % command_id)
        parts.append('<rsp:CommandState CommandId="%s" State="%s"><rsp:ExitCode>%d</rsp:ExitCode>'
                     '</rsp:CommandState>' % (command_id, STATE_DONE, exit_code))
    else:
        parts.append('<rsp:CommandState CommandId="%s" State="%s"></rsp:CommandState>' % (command_id, STATE_RUNNING))
    parts.append("</rsp:ReceiveResponse>")
    return "".join(parts)


def timeout_fault():
    return WSManFault("s:Receiver", "w:TimedOut", "The WS-Management service cannot complete the operation within "
                      "the time specified in OperationTimeout.  ", FAULT_TIMEOUT)


def shell_not_found(shell_id):
    return WSManFault("s:Sender", "w:InvalidSelectors",
                      "The request for the Windows Remote Shell with ShellId %s failed because the shell was not found "
                      "on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer "
                      "exists on the server. Provide the correct ShellId or create a new shell and retry the "
                      "operation. " % shell_id, FAULT_SHELL_NOT_FOUND)


def parse_create(req):
    """Environment variables, code page and profile option of a Create shell request."""
    shell = req.body.find(_q("rsp", "Shell"))
    env = {}
    if shell is not None:
        envnode = shell.find(_q("rsp", "Environment"))
        if envnode is not None:
            for v in envnode.findall(_q("rsp", "Variable")):
                env[v.get("Name")] = v.text or ""
    try:
        codepage = int(req.options.get("WINRS_CODEPAGE", "437") or 437)
    except ValueError:
        codepage = 437
    return env, codepage


def parse_command(req):
    line = req.body.find(_q("rsp", "CommandLine"))
    if line is None:
        raise WSManFault("s:Sender", "w:SchemaValidationError", "The Command request has no CommandLine.",
                         FAULT_PARSE)
    command = line.findtext(_q("rsp", "Command")) or ""
    args = [a.text or "" for a in line.findall(_q("rsp", "Arguments"))]
    skip_cmd = (req.options.get("WINRS_SKIP_CMD_SHELL", "FALSE") or "").upper() == "TRUE"
    return command, args, skip_cmd


def parse_receive(req):
    node = req.body.find(_q("rsp", "Receive"))
    ds = node.find(_q("rsp", "DesiredStream")) if node is not None else None
    return ds.get("CommandId") if ds is not None else None


def parse_signal(req):
    node = req.body.find(_q("rsp", "Signal"))
    if node is None:
        return None, None
    return node.get("CommandId"), (node.findtext(_q("rsp", "Code")) or "").strip()
