"""The paper file, electronically: the documents each procedure requires (dossier checklist),
their scanned attachments, and the case notes of supervision during management and post-rehab."""
