"""deploy/ checked without a cluster, a daemon or a registry: yamllint (deploy/.yamllint) on every
YAML file and on the config inside the ConfigMap; every Kubernetes manifest against the Kubernetes
API schema (k8s_schema.py, from Debian's python3-kubernetes); what the manifests promise (probes,
the drain, the disruption budgets, a Service with no stickiness, references that resolve); the
compose file against the compose schema (Debian's docker-compose, `config -q`) and haproxy's config
(`haproxy -c`); both Switchboard configs through `switchboard check-config` with the secrets the
Secret and deploy/.env.example name; and the negative cases, so that each check is seen to fail.

Needs: yamllint, python3-kubernetes, docker-compose, haproxy (Debian 12), and the switchboard
binary (SWITCHBOARD_BIN, else build/app/switchboard).
"""
import copy
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import unittest

import yaml

import k8s_schema

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(ROOT, "deploy")
K8S = os.path.join(DEPLOY, "k8s")
YAMLLINT_CONFIG = os.path.join(DEPLOY, ".yamllint")
BIN = os.environ.get("SWITCHBOARD_BIN", os.path.join(ROOT, "build", "app", "switchboard"))
LIMIT = 60


def run(args, env=None, cwd=None):
    return subprocess.run(args, capture_output=True, text=True, timeout=LIMIT, env=env, cwd=cwd)


def need(program, package):
    path = shutil.which(program)
    if path is None:
        raise AssertionError(f"{program} is not installed: apt-get install {package}")
    return path


def manifests():
    """(file name, index in the file, document) of every document under deploy/k8s/, recursively."""
    out = []
    for folder, _, files in sorted(os.walk(K8S)):
        for name in sorted(files):
            if not name.endswith((".yaml", ".yml")):
                continue
            path = os.path.join(folder, name)
            with open(path) as f:
                for i, doc in enumerate(yaml.safe_load_all(f)):
                    if doc is not None:
                        out.append((os.path.relpath(path, K8S), i, doc))
    return out


def find(kind, name):
    for _, _, doc in manifests():
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            return doc
    raise AssertionError(f"no {kind} {name} in deploy/k8s/")


def of_kind(kind):
    return [doc for _, _, doc in manifests() if doc["kind"] == kind]


def secret_env(placeholders):
    """The Secret's variables: its own (placeholder) values, or fresh 32-byte random ones."""
    data = find("Secret", "switchboard-secrets")["stringData"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
    for key, value in data.items():
        env[key] = value if placeholders or value == "" else secrets.token_urlsafe(32)
    return env


def env_example(placeholders):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
    with open(os.path.join(DEPLOY, ".env.example")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                env[key] = value if placeholders else secrets.token_urlsafe(32)
    return env


def proto_messages():
    """{message: [(type, field, repeated, secret)]} of proto/config.proto."""
    with open(os.path.join(ROOT, "proto", "config.proto")) as f:
        text = f.read()
    out = {}
    for m in re.finditer(r"^message (\w+) \{(.*?)^\}", text, re.M | re.S):
        fields = re.findall(r"^\s*(repeated\s+)?([\w.]+)\s+(\w+)\s*=\s*\d+\s*(\[[^\]]*\])?", m.group(2), re.M)
        out[m.group(1)] = [(t, n, bool(r), "secret) = true" in (o or "")) for r, t, n, o in fields]
    return out


def secret_env_names(config, message="Config", prefix="", messages=None):
    """The SWITCHBOARD_ suffixes (REDIS_PASSWORD, AUTH_KEYS_0_SECRET, ...) that set a secret field
    of `config` (list elements by index, as core/config.cpp applies them)."""
    messages = messages or proto_messages()
    names = set()
    for type_name, field, repeated, secret in messages.get(message, []):
        path = f"{prefix}{field.upper()}"
        value = (config or {}).get(field)
        if secret:
            names.add(path)
        elif type_name in messages and repeated:
            for i, item in enumerate(value or []):
                names |= secret_env_names(item, type_name, f"{path}_{i}_", messages)
        elif type_name in messages:
            names |= secret_env_names(value, type_name, f"{path}_", messages)
    return names


def check_config(text, env):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "switchboard.yaml")
        with open(path, "w") as f:
            f.write(text)
        return run([BIN, "check-config", "--config", path], env=env, cwd=d)


def configmap_config():
    return find("ConfigMap", "switchboard-config")["data"]["switchboard.yaml"]


def container(deployment):
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == "switchboard")


def roles(deployment):
    args = container(deployment)["args"]
    return args[args.index("--roles") + 1]


def shutdown_grace_seconds():
    return yaml.safe_load(configmap_config())["server"]["shutdown_grace_ms"] / 1000


class YamlLintTest(unittest.TestCase):
    def setUp(self):
        self.yamllint = need("yamllint", "yamllint")

    def test_every_yaml_file_of_deploy_passes_yamllint(self):
        listed = run([self.yamllint, "--list-files", "-c", YAMLLINT_CONFIG, DEPLOY])
        self.assertEqual(listed.returncode, 0, listed.stderr)
        files = {os.path.relpath(p, DEPLOY) for p in listed.stdout.split()}
        for expected in ("compose.yaml", "compose/switchboard.yaml", "k8s/10-config.yaml", "k8s/30-gateway.yaml"):
            self.assertIn(expected, files)
        for name, _, _ in manifests():
            self.assertIn(os.path.join("k8s", name), files)
        p = run([self.yamllint, "--strict", "-f", "parsable", "-c", YAMLLINT_CONFIG, DEPLOY])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_the_config_inside_the_configmap_passes_yamllint(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            f.write(configmap_config())
            f.flush()
            p = run([self.yamllint, "--strict", "-f", "parsable", "-c", YAMLLINT_CONFIG, f.name])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_yamllint_refuses_a_duplicate_key_and_bad_spacing(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            f.write("kind: Service\nkind: Pod\nspec:   [ x ]\n")
            f.flush()
            p = run([self.yamllint, "--strict", "-f", "parsable", "-c", YAMLLINT_CONFIG, f.name])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("key-duplicates", p.stdout)
        self.assertIn("colons", p.stdout)


class KubernetesSchemaTest(unittest.TestCase):
    def test_every_manifest_matches_the_kubernetes_api_schema(self):
        docs = manifests()
        kinds = {doc["kind"] for _, _, doc in docs}
        for kind in ("ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget"):
            self.assertIn(kind, kinds)
        for name, i, doc in docs:
            with self.subTest(file=name, document=i, kind=doc.get("kind")):
                self.assertEqual(k8s_schema.check(doc), [])

    def gateway(self):
        return copy.deepcopy(find("Deployment", "switchboard-gateway"))

    def test_a_misspelt_field_is_refused_with_its_path(self):
        d = self.gateway()
        probe = container(d)["readinessProbe"]
        probe["httpGet"]["pth"] = probe["httpGet"].pop("path")
        d["spec"]["template"]["spec"]["terminationGracePeriod"] = 30
        errors = k8s_schema.check(d)
        self.assertIn("spec.template.spec.containers[0].readinessProbe.httpGet.pth: unknown field", "\n".join(errors))
        self.assertIn("spec.template.spec.terminationGracePeriod: unknown field", "\n".join(errors))

    def test_a_value_of_the_wrong_type_is_refused_with_its_path(self):
        d = self.gateway()
        d["spec"]["replicas"] = "two"
        container(d)["ports"][0]["containerPort"] = "8080"
        container(d)["args"] = "serve --roles gateway"
        d["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] = "yes"
        errors = "\n".join(k8s_schema.check(d))
        self.assertIn("spec.replicas: expected int, got str", errors)
        self.assertIn("spec.template.spec.containers[0].ports[0].containerPort: expected int, got str", errors)
        self.assertIn("spec.template.spec.containers[0].args: expected a list, got str", errors)
        self.assertIn("spec.template.spec.securityContext.runAsNonRoot: expected bool, got str", errors)

    def test_a_missing_required_field_is_refused(self):
        d = self.gateway()
        c = container(d)
        del c["livenessProbe"]["httpGet"]["port"]
        del c["name"]
        del d["spec"]["selector"]
        errors = "\n".join(k8s_schema.check(d))
        self.assertIn("spec.template.spec.containers[0].name: required field missing", errors)
        self.assertIn("spec.selector: required field missing", errors)
        self.assertIn("spec.template.spec.containers[0].livenessProbe.httpGet.port: required field missing", errors)
        service = copy.deepcopy(find("Service", "switchboard-gateway"))
        del service["metadata"]["name"]
        self.assertIn("metadata.name: required field missing", k8s_schema.check(service))

    def test_an_unknown_kind_or_a_kind_in_the_wrong_group_is_refused(self):
        self.assertIn("kind 'Deploymnt' does not exist",
                      k8s_schema.check({"apiVersion": "apps/v1", "kind": "Deploymnt", "metadata": {"name": "x"}})[0])
        self.assertIn("is not served by apiVersion 'v1'",
                      k8s_schema.check({"apiVersion": "v1", "kind": "Deployment", "metadata": {"name": "x"}})[0])
        self.assertIn("is not served by apiVersion 'apps/v1'",
                      k8s_schema.check({"apiVersion": "apps/v1", "kind": "PodDisruptionBudget",
                                        "metadata": {"name": "x"}})[0])

    def test_a_broken_manifest_file_is_found_by_the_same_walk(self):
        # The walk the positive test makes, on a folder with one bad file: the error names it.
        with open(os.path.join(K8S, "30-gateway.yaml")) as f:
            text = f.read()
        broken = text.replace("sessionAffinity: None", "sessionAfinity: None")
        self.assertNotEqual(broken, text)
        errors = []
        for i, doc in enumerate(yaml.safe_load_all(broken)):
            errors += [f"30-gateway.yaml[{i}] {e}" for e in k8s_schema.check(doc)]
        self.assertEqual(len(errors), 1, errors)
        self.assertIn("30-gateway.yaml[1] spec.sessionAfinity: unknown field", errors[0])


class KubernetesDeploymentTest(unittest.TestCase):
    """What the manifests promise, beyond the schema."""

    def test_gateways_two_or_more_with_probes_and_a_drain_that_fits_the_grace_period(self):
        d = find("Deployment", "switchboard-gateway")
        self.assertGreaterEqual(d["spec"]["replicas"], 2)
        self.assertEqual(roles(d), "gateway")
        c = container(d)
        self.assertEqual(c["readinessProbe"]["httpGet"]["path"], "/readyz")
        self.assertEqual(c["livenessProbe"]["httpGet"]["path"], "/healthz")
        command = c["lifecycle"]["preStop"]["exec"]["command"]
        self.assertEqual(command[0], "sleep")
        pause = float(command[1])
        # The Service must drop the pod (a readiness period or two, every node's proxy) before SIGTERM.
        self.assertGreaterEqual(pause, c["readinessProbe"]["periodSeconds"])
        grace = d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        self.assertGreater(grace, pause + shutdown_grace_seconds())
        self.assertEqual(d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], 0)

    def test_the_router_runs_twice_one_active_one_standby_and_the_outbox_once(self):
        router = find("Deployment", "switchboard-router")
        self.assertEqual(router["spec"]["replicas"], 2)
        self.assertEqual(roles(router), "router")
        outbox = find("Deployment", "switchboard-outbox")
        self.assertGreaterEqual(outbox["spec"]["replicas"], 1)
        self.assertEqual(roles(outbox), "outbox")
        self.assertEqual({roles(d) for d in of_kind("Deployment") if d["metadata"]["name"].startswith("switchboard-")},
                         {"gateway", "router", "outbox"})

    def test_every_switchboard_pod_has_probes_and_a_grace_period_above_the_drain(self):
        for d in of_kind("Deployment"):
            if not d["metadata"]["name"].startswith("switchboard-"):
                continue
            with self.subTest(deployment=d["metadata"]["name"]):
                c = container(d)
                self.assertEqual(c["readinessProbe"]["httpGet"]["path"], "/readyz")
                self.assertEqual(c["livenessProbe"]["httpGet"]["path"], "/healthz")
                grace = d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
                self.assertGreater(grace, shutdown_grace_seconds())
                self.assertIn("--listen", c["args"])
                self.assertEqual(c["args"][c["args"].index("--listen") + 1], "0.0.0.0:8080")

    def test_the_service_reaches_every_gateway_with_no_stickiness(self):
        service = find("Service", "switchboard-gateway")
        gateway = find("Deployment", "switchboard-gateway")
        self.assertEqual(service["spec"].get("sessionAffinity", "None"), "None")
        labels = gateway["spec"]["template"]["metadata"]["labels"]
        self.assertTrue(service["spec"]["selector"].items() <= labels.items())
        port_names = {p["name"] for p in container(gateway)["ports"]}
        for port in service["spec"]["ports"]:
            self.assertIn(port["targetPort"], port_names)

    def test_the_disruption_budgets_select_the_pods_of_a_workload_and_allow_a_drain(self):
        budgets = of_kind("PodDisruptionBudget")
        self.assertTrue({"switchboard-gateway", "switchboard-router"} <= {b["metadata"]["name"] for b in budgets})
        workloads = of_kind("Deployment") + of_kind("StatefulSet")
        for b in budgets:
            with self.subTest(budget=b["metadata"]["name"]):
                match = b["spec"]["selector"]["matchLabels"]
                selected = [w for w in workloads if match.items() <= w["spec"]["template"]["metadata"]["labels"].items()]
                self.assertEqual(len(selected), 1, f"the budget selects the pods of {len(selected)} workloads")
                replicas = selected[0]["spec"]["replicas"]
                # A budget that allows no disruption would block every node drain.
                allowed = b["spec"].get("maxUnavailable", replicas - b["spec"].get("minAvailable", 0))
                self.assertGreaterEqual(allowed, 1)

    def test_every_reference_resolves_and_selectors_match_their_templates(self):
        namespaces = {doc["metadata"].get("namespace") for _, _, doc in manifests() if doc["kind"] != "Namespace"}
        self.assertEqual(namespaces, {find("Namespace", "switchboard")["metadata"]["name"]})
        for d in of_kind("Deployment") + of_kind("StatefulSet"):
            with self.subTest(workload=d["metadata"]["name"]):
                spec = d["spec"]["template"]["spec"]
                self.assertTrue(d["spec"]["selector"]["matchLabels"].items()
                                <= d["spec"]["template"]["metadata"]["labels"].items())
                for v in spec.get("volumes", []):
                    if "configMap" in v:
                        find("ConfigMap", v["configMap"]["name"])
                    if "persistentVolumeClaim" in v:
                        find("PersistentVolumeClaim", v["persistentVolumeClaim"]["claimName"])
                    if "secret" in v:
                        find("Secret", v["secret"]["secretName"])
                for c in spec["containers"]:
                    for e in c.get("envFrom", []):
                        if "secretRef" in e:
                            find("Secret", e["secretRef"]["name"])
                        if "configMapRef" in e:
                            find("ConfigMap", e["configMapRef"]["name"])
                    for e in c.get("env", []):
                        ref = e.get("valueFrom", {}).get("secretKeyRef")
                        if ref:
                            self.assertIn(ref["key"], find("Secret", ref["name"])["stringData"])
                    claims = [t["metadata"]["name"] for t in d["spec"].get("volumeClaimTemplates", [])]
                    mounts = {m["name"] for m in c.get("volumeMounts", [])}
                    self.assertTrue(mounts <= {v["name"] for v in spec.get("volumes", [])} | set(claims))

    def test_the_configmaps_config_is_accepted_by_switchboard_once_the_secrets_are_set(self):
        p = check_config(configmap_config(), secret_env(placeholders=False))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        config = yaml.safe_load(configmap_config())
        self.assertNotIn("dev_users", config)
        self.assertNotIn("url", config["redis"])
        self.assertTrue(config["redis"]["sentinel"]["addresses"])

    def test_the_secrets_placeholders_are_refused_at_start_up(self):
        data = find("Secret", "switchboard-secrets")["stringData"]
        self.assertTrue(all(v in ("REPLACE_ME", "") for v in data.values()), data)
        p = check_config(configmap_config(), secret_env(placeholders=True))
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertIn("must be at least 32 bytes", p.stderr)

    def test_every_key_of_the_secret_sets_a_secret_of_the_config(self):
        # Each name is SWITCHBOARD_<path> of a field marked (secret) in proto/config.proto.
        config = yaml.safe_load(configmap_config())
        for key in find("Secret", "switchboard-secrets")["stringData"]:
            with self.subTest(key=key):
                self.assertIn(key[len("SWITCHBOARD_"):], secret_env_names(config), key)
        # And check-config sees the ones with a length rule: alone set short, each is refused.
        for key in ("SWITCHBOARD_AUTH_KEYS_0_SECRET", "SWITCHBOARD_CHANNELS_EMAIL_REPLY_SECRET",
                    "SWITCHBOARD_CHANNELS_MEDIA_URL_SECRET"):
            with self.subTest(key=key):
                env = secret_env(placeholders=False)
                env[key] = "short"
                p = check_config(configmap_config(), env)
                self.assertEqual(p.returncode, 3, f"{key} changed nothing: {p.stderr}")

    def test_the_secret_name_check_refuses_a_misspelt_name(self):
        names = secret_env_names(yaml.safe_load(configmap_config()))
        self.assertIn("REDIS_PASSWORD", names)
        self.assertNotIn("REDIS_PASSWD", names)
        self.assertNotIn("AUTH_KEYS_1_SECRET", names)  # the config has one key


class ComposeTest(unittest.TestCase):
    def setUp(self):
        self.compose = need("docker-compose", "docker-compose")

    def config(self, path, env):
        return run([self.compose, "-f", path, "config"], env=env)

    def test_the_compose_file_matches_the_compose_schema(self):
        p = run([self.compose, "-f", os.path.join(DEPLOY, "compose.yaml"), "config", "-q"], env=env_example(True))
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_it_runs_sentinel_two_gateways_two_routers_and_an_outbox(self):
        p = self.config(os.path.join(DEPLOY, "compose.yaml"), env_example(True))
        self.assertEqual(p.returncode, 0, p.stderr)
        services = yaml.safe_load(p.stdout)["services"]
        by_role = {}
        for name, s in services.items():
            command = s.get("command") or []
            if "--roles" in command:
                by_role.setdefault(command[command.index("--roles") + 1], []).append(name)
                self.assertEqual(command[command.index("--config") + 1], "/etc/switchboard/switchboard.yaml")
                # compose waits this long for the drain before SIGKILL
                self.assertRegex(s["stop_grace_period"], r"^\d+s$")
                self.assertGreater(int(s["stop_grace_period"][:-1]), 5)
        self.assertEqual(sorted(by_role["gateway"]), ["gateway-1", "gateway-2"])
        self.assertEqual(sorted(by_role["router"]), ["router-1", "router-2"])
        self.assertEqual(by_role["outbox"], ["outbox"])
        self.assertEqual(sum(1 for s in services.values() if s.get("command") == ["sentinel"]), 3)
        self.assertEqual(sum(1 for s in services.values() if (s.get("command") or [None])[0] == "server"), 2)
        with open(os.path.join(DEPLOY, "compose", "haproxy.cfg")) as f:
            haproxy = f.read()
        backend = haproxy[haproxy.index("backend gateways"):haproxy.index("frontend smtp")]
        self.assertEqual(re.findall(r"^\s*server (\S+) ", backend, re.M), ["gateway-1", "gateway-2"])
        self.assertNotRegex(backend, r"\b(stick|cookie|balance source)\b")

    def test_every_secret_the_processes_get_sets_a_secret_of_their_config(self):
        p = self.config(os.path.join(DEPLOY, "compose.yaml"), env_example(True))
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(DEPLOY, "compose", "switchboard.yaml")) as f:
            names = secret_env_names(yaml.safe_load(f))
        for name, s in yaml.safe_load(p.stdout)["services"].items():
            if "--roles" in (s.get("command") or []):
                with self.subTest(service=name):
                    given = {k[len("SWITCHBOARD_"):] for k in s["environment"] if k.startswith("SWITCHBOARD_")}
                    self.assertTrue(given, "no secrets given")
                    self.assertEqual(given - names, set())

    def test_the_compose_file_refuses_to_run_without_secrets(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
        with tempfile.TemporaryDirectory() as d:  # no deploy/.env is read from here
            shutil.copy(os.path.join(DEPLOY, "compose.yaml"), d)
            shutil.copytree(os.path.join(DEPLOY, "compose"), os.path.join(d, "compose"))
            p = run([self.compose, "-f", os.path.join(d, "compose.yaml"), "config", "-q"], env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("set it in deploy/.env", p.stderr)

    def test_a_misspelt_option_is_refused(self):
        with open(os.path.join(DEPLOY, "compose.yaml")) as f:
            text = f.read()
        broken = text.replace("stop_grace_period: 20s", "stop_grace_perod: 20s")
        self.assertNotEqual(broken, text)
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "compose.yaml"), "w") as f:
                f.write(broken)
            shutil.copytree(os.path.join(DEPLOY, "compose"), os.path.join(d, "compose"))
            p = run([self.compose, "-f", os.path.join(d, "compose.yaml"), "config", "-q"], env=env_example(True))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("Unsupported config option for services.gateway-1: 'stop_grace_perod'", p.stderr)

    def test_the_compose_config_is_accepted_by_switchboard_and_the_example_secrets_are_not(self):
        with open(os.path.join(DEPLOY, "compose", "switchboard.yaml")) as f:
            text = f.read()
        p = check_config(text, env_example(placeholders=False))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        p = check_config(text, env_example(placeholders=True))
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertNotIn("dev_users", yaml.safe_load(text))

    def test_haproxy_accepts_its_config_and_refuses_a_broken_one(self):
        haproxy = need("haproxy", "haproxy")
        path = os.path.join(DEPLOY, "compose", "haproxy.cfg")
        p = run([haproxy, "-c", "-f", path])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(path) as f:
            broken = f.read().replace("balance leastconn", "balance leastconnections", 1)
        with tempfile.NamedTemporaryFile("w", suffix=".cfg") as f:
            f.write(broken)
            f.flush()
            p = run([haproxy, "-c", "-f", f.name])
        self.assertNotEqual(p.returncode, 0)


class ImageTest(unittest.TestCase):
    def test_the_dockerfile_builds_on_a_debian_12_base_with_the_projects_scripts(self):
        with open(os.path.join(DEPLOY, "Dockerfile")) as f:
            lines = [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]
        self.assertIn("ARG BASE=docker.io/library/debian:12", lines)
        stages = []
        for line in lines:
            if line.startswith("FROM "):
                words = line.split()
                self.assertEqual(words[1], "${BASE}", f"every stage starts from the Debian 12 base: {line}")
                stages.append(words[3])
        self.assertEqual(stages[-1], "switchboard", "the server image is the default (last) target")
        text = "\n".join(lines)
        self.assertIn("RUN scripts/packages.sh", text)
        self.assertIn("npm ci", text)
        self.assertIn("cmake --build build", text)
        self.assertRegex(text, r'ENTRYPOINT \["/usr/local/bin/switchboard"\]')
        self.assertRegex(text, r"USER 10001")
        with open(os.path.join(DEPLOY, "Dockerfile.dockerignore")) as f:
            ignored = set(f.read().split())
        self.assertTrue({"build", "web/node_modules", ".git"} <= ignored)

    def test_the_scripts_parse_and_refuse_a_bad_option(self):
        p = run(["bash", "-n", os.path.join(DEPLOY, "build-image.sh")])
        self.assertEqual(p.returncode, 0, p.stderr)
        p = run(["sh", "-n", os.path.join(DEPLOY, "compose", "redis-start.sh")])
        self.assertEqual(p.returncode, 0, p.stderr)
        p = run([os.path.join(DEPLOY, "build-image.sh"), "--no-such-option"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown option '--no-such-option'", p.stderr)
        start = os.path.join(DEPLOY, "compose", "redis-start.sh")
        p = run(["sh", start, "server"], env={"PATH": os.environ["PATH"], "REDIS_ANNOUNCE": "redis-1"})
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("SWITCHBOARD_REDIS_PASSWORD", p.stderr)
        # The example's placeholder is refused before Redis starts with it.
        p = run(["sh", start, "server"], env={"PATH": os.environ["PATH"], "REDIS_ANNOUNCE": "redis-1",
                                              "SWITCHBOARD_REDIS_PASSWORD": env_example(True)["SWITCHBOARD_REDIS_PASSWORD"]})
        self.assertEqual(p.returncode, 1)
        self.assertIn("placeholder", p.stderr)


if __name__ == "__main__":
    unittest.main()
