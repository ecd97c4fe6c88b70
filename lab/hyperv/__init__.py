"""Hyper-V Replica site simulator: a WinRM endpoint that runs a PowerShell 5.1 subset
against a shared model of Hyper-V hosts. See README.md in this directory."""
