"""repair: credit repair after full performance, and the notice-before-report rule for negative credit information."""
