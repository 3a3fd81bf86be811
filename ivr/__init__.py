"""The vocal menu engine: interprets the menu over a small Channel interface."""
