"""The outside world, simulated: lenders, debtors, mediators, courts."""
