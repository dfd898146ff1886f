"""connector.yaml: its typed models (inputs.py, models.py), loading it, and what is generated from it
(the reference page, JSON Schemas of forms)."""
