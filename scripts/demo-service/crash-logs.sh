#!/bin/sh
# Demo stand-in for the plan's crash-logs triage command.
echo "demo crash-logs: nothing unusual"
