#!/bin/sh
# Demo stand-in for the service's health check script.
echo "genesis-orchestration: healthy"
