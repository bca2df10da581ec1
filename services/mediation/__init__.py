"""mediation: people's and court mediation, judicial confirmation, and tracking of settled and hardship plans."""
