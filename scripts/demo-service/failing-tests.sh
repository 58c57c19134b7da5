#!/bin/sh
# Demo stand-in for the plan's failing-tests triage command.
echo "demo failing-tests: nothing unusual"
