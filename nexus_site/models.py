"""nexus_site has no models; this module exists so Django sends it post_migrate (see apps.py)."""
