"""Reference data: municipalities (shipped), benefit groups and placement rules (admin-editable)."""
