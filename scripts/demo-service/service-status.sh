#!/bin/sh
# Demo stand-in for the plan's service-status triage command.
echo "demo service-status: nothing unusual"
