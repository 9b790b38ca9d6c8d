"""Reports for clinicians: one session, or a client's progress, as HTML and PDF."""
