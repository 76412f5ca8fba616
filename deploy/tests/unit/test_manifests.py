"""What Compose and Kubernetes run: production images, explicit modes, probes where they belong.

Neither Docker nor a cluster runs here: these read the files as the tools would parse them.
"""

from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "billing", "metering", "requests", "notifications")
PROBE_PORT = 8081


def _k8s(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / "k8s" / f"{name}.yaml").read_text()) if d]


def _of_kind(documents: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in documents if d["kind"] == kind]


def _container(name: str) -> dict[str, Any]:
    (deployment,) = _of_kind(_k8s(name), "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "<secret>") for e in container.get("env", [])}


def _compose() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    return services


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_pod_is_restarted_when_its_liveness_probe_fails(service: str) -> None:
    container = _container(service)
    assert container["image"] == f"sportello-{service}:0.1.0"
    assert {"name": "probe", "containerPort": PROBE_PORT} in container["ports"]
    assert _env(container)["PROBE_PORT"] == str(PROBE_PORT)
    probe = container["livenessProbe"]["httpGet"]
    assert (probe["path"], probe["port"]) == ("/live", "probe")
    assert "readinessProbe" not in container  # no Service sends it traffic


def test_the_gateway_is_probed_on_its_public_port_and_its_operators_port_stays_inside() -> None:
    container = _container("gateway")
    assert container["image"] == "sportello-gateway:0.1.0"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 8000, "internal": 8001}
    env = _env(container)
    assert (env["GATEWAY_INTERNAL_PORT"], env["GATEWAY_INTERNAL_HOST"]) == ("8001", "0.0.0.0")
    for probe, path in (("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready")):
        assert container[probe]["httpGet"] == {"path": path, "port": "http"}

    services = {s["metadata"]["name"]: s for s in _of_kind(_k8s("gateway"), "Service")}
    assert [p["targetPort"] for p in services["gateway"]["spec"]["ports"]] == ["http"]
    assert [p["targetPort"] for p in services["gateway-internal"]["spec"]["ports"]] == ["internal"]
    assert {s["spec"]["type"] for s in services.values()} == {"ClusterIP"}
    (policy,) = _of_kind(_k8s("gateway"), "NetworkPolicy")
    internal = [r for r in policy["spec"]["ingress"] if r["ports"] == [{"port": "internal"}]]
    assert internal == [{"from": [{"podSelector": {}}], "ports": [{"port": "internal"}]}]


def test_kubernetes_runs_in_production_mode_and_the_topology_job_on_the_kits_image() -> None:
    (config,) = _k8s("configmap")
    assert config["data"]["SPORTELLO_ENV"] == "production"
    (job,) = _k8s("topology-job")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "sportello-topology:0.1.0"
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    images = {i["name"] for i in kustomization["images"]}
    assert images == {"sportello-topology", *(f"sportello-{n}" for n in (*SERVICES, "gateway"))}


def test_compose_builds_each_container_from_its_own_package_and_says_which_mode() -> None:
    compose = _compose()
    packages = {
        name: service["build"]["args"]["PACKAGE"]
        for name, service in compose.items()
        if "build" in service
    }
    assert packages == {
        "topology": "sportello-kit",
        **{name: f"sportello-{name}" for name in (*SERVICES, "gateway")},
        "demo": "sportello-deploy",  # the simulator: a development image, behind a profile
        "payment-sandbox": "sportello-deploy",  # the payments sandbox: development only
    }
    assert compose["demo"]["profiles"] == ["demo"]
    for name in packages:
        # Explicit: without it a deployable assumes production and refuses the demo secret.
        assert compose[name]["environment"]["SPORTELLO_ENV"] == "${SPORTELLO_ENV:-development}"


@pytest.mark.parametrize("service", SERVICES)
def test_compose_checks_each_services_liveness_probe(service: str) -> None:
    container = _compose()[service]
    assert container["environment"]["PROBE_PORT"] == str(PROBE_PORT)
    assert f"http://127.0.0.1:{PROBE_PORT}/live" in " ".join(container["healthcheck"]["test"])


def test_compose_publishes_the_gateways_operators_port_on_loopback_only() -> None:
    gateway = _compose()["gateway"]
    assert gateway["environment"]["GATEWAY_INTERNAL_PORT"] == "8001"
    assert all(port.startswith("127.0.0.1:") for port in gateway["ports"])
    assert "http://127.0.0.1:8001/health" in " ".join(gateway["healthcheck"]["test"])


def test_the_gateway_holds_no_signing_secret_and_identity_its_key_encryption_key() -> None:
    gateway = _container("gateway")
    secrets = {
        e["valueFrom"]["secretKeyRef"]["key"]
        for e in gateway.get("env", [])
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert secrets == {"RABBITMQ_URL"}
    assert not any("TOKEN_SECRET" in name or "KEY" in name for name in _env(gateway))
    compose_gateway = _compose()["gateway"]["environment"]
    assert not any("SECRET" in name or "ENCRYPTION" in name for name in compose_gateway)

    identity = _env(_container("identity"))
    assert identity["IDENTITY_KEY_ENCRYPTION_KEY"] == "<secret>"
    assert "TOKEN_SECRET" not in identity
    assert "IDENTITY_KEY_ENCRYPTION_KEY" in _compose()["identity"]["environment"]
