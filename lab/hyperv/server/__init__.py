"""WinRM endpoint: HTTP(S) listener, authentication, message encryption, WS-Man shells, lab hooks."""
