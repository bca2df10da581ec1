"""The gateway's HTTP handlers, one module per party: lenders, mediators, courts, payment processors,
debtors (JSON) and the debtor portal (HTML), and the operations pages. ``services/gateway/app.py`` maps
them to paths."""
