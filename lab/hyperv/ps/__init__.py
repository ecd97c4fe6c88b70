"""A Windows PowerShell 5.1 subset: tree-sitter parser adapter, interpreter, 5.1 JSON rules."""
