"""webhooks: signed HTTP deliveries of case events to the outside parties that subscribe to them."""
