"""Contractor reports: the contractors' portal, review, due and overdue reports, reminders."""
