"""triage: decides where each opened case goes — rejected, relief, people's or court mediation — by a versioned rule file."""
