"""objections: the debtor's voice (objections, hardship claims, complaints) and the lender's stop (paid in full, withdrawn)."""
