enum _PlaceholderSwitchboardServer {}
