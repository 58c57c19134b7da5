"""Production health tests for the example Genesis service, run by deploywatch's production-tests command.

GENESIS_METRICS_URL points at the service's metrics endpoint (tests that need it skip without it);
GENESIS_FAILING_TESTS lists test names (comma-separated) that must fail, so tests can exercise the
monitor's handling of a failing suite with real pytest and its real JUnit report.
"""
import os
import urllib.request

import pytest

FAILING = {name.strip() for name in os.environ.get("GENESIS_FAILING_TESTS", "").split(",") if name.strip()}
METRICS_URL = os.environ.get("GENESIS_METRICS_URL")


def check(name):
    assert name not in FAILING, f"{name} was told to fail (GENESIS_FAILING_TESTS)"


def metrics():
    if not METRICS_URL:
        pytest.skip("GENESIS_METRICS_URL is not set")
    with urllib.request.urlopen(f"{METRICS_URL}/metrics", timeout=5) as response:
        text = response.read().decode("utf-8")
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            values[series] = float(value)
    return values


def test_service_reports_up():
    check("test_service_reports_up")
    assert metrics().get("genesis_service_up") == 1


def test_error_rate_within_slo():
    check("test_error_rate_within_slo")
    assert metrics().get("genesis_error_ratio", 0) < 0.001


def test_htdag_decomposition():
    check("test_htdag_decomposition")


def test_halo_routing():
    check("test_halo_routing")


def test_aop_validation():
    check("test_aop_validation")
