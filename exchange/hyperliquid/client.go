package hyperliquid

const venueName = "hyperliquid"
