"""(reserved: see DESIGN.md)"""
