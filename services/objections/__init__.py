"""objections: the debtor's voice (objections, hardship claims, complaints), the lender's stop (paid in full,
withdrawn), and the one place cases close (the only producer of CaseClosed)."""
