"""The case pages: the applicant's portal (portal, apply) and the staff workbench (work)."""
