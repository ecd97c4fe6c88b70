"""vSphere half of the DR lab: vcsim launcher (Go), seeding and helpers."""
