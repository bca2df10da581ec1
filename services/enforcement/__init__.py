"""enforcement: litigation filing in batches, court decisions, judgment performance, compulsory enforcement."""
