"""Kubernetes manifests checked against the Kubernetes API's schema, with no cluster and no download.

The schema is the one Debian's python3-kubernetes carries: its model classes are generated from the
Kubernetes OpenAPI spec (for python3-kubernetes 22.6, Kubernetes 1.22), each with `openapi_types`
(field -> type), `attribute_map` (field -> its JSON name) and setters that refuse a missing required
field (ValueError). `check(doc)` walks a manifest against them: an unknown field, a value of the
wrong type, a missing required field, or an apiVersion/kind the API does not have is an error
naming the field's path (`spec.template.spec.containers[0].readinessProbe.httpGet.pth: unknown
field`). Fields typed `object` in the spec (int-or-string, free-form JSON) take any value.
"""
import re

import kubernetes.client as kc
from kubernetes.client.configuration import Configuration

_CONFIG = Configuration()
_CONFIG.client_side_validation = True

_SCALARS = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "datetime": (str,),
    "date": (str,),
}


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def model_for(api_version, kind):
    """The model class of (apiVersion, kind), or a string saying why there is none."""
    if not isinstance(api_version, str) or not isinstance(kind, str) or not api_version or not kind:
        return "apiVersion and kind must be non-empty strings"
    group, _, version = api_version.rpartition("/")
    if not re.fullmatch(r"v\d+((alpha|beta)\d+)?", version):
        return f"apiVersion '{api_version}': '{version}' is not an API version"
    model = getattr(kc, version[0].upper() + version[1:] + kind, None)
    if model is None or not hasattr(model, "openapi_types"):
        return f"kind '{kind}' does not exist in {version} of the Kubernetes API (python3-kubernetes {kc.__version__})"
    # The group must serve that kind: its API class has a create call for it.
    group_name = "Core" if group == "" else "".join(p.capitalize() for p in re.sub(r"\.k8s\.io$", "", group).split("."))
    api = getattr(kc, f"{group_name}{version.capitalize()}Api", None)
    if api is None:
        return f"apiVersion '{api_version}': no such API group/version"
    snake = _snake(kind)
    if not (hasattr(api, f"create_namespaced_{snake}") or hasattr(api, f"create_{snake}")):
        return f"kind '{kind}' is not served by apiVersion '{api_version}'"
    return model


def _required(model):
    """The Python names of the model's required fields (their setters refuse None)."""
    probe = model.__new__(model)
    probe.local_vars_configuration = _CONFIG
    out = []
    for attr in model.openapi_types:
        try:
            setattr(probe, attr, None)
        except ValueError:
            out.append(attr)
    return out


def _walk(value, type_name, path, errors):
    if type_name == "object":
        return
    if type_name in _SCALARS:
        ok = isinstance(value, _SCALARS[type_name]) and (type_name == "bool" or not isinstance(value, bool))
        if not ok:
            errors.append(f"{path}: expected {type_name}, got {type(value).__name__} ({value!r})")
        return
    if type_name.startswith("list[") and type_name.endswith("]"):
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            _walk(item, type_name[5:-1], f"{path}[{i}]", errors)
        return
    if type_name.startswith("dict(") and type_name.endswith(")"):
        inner = type_name[5:-1].split(",", 1)[1].strip()
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a map, got {type(value).__name__}")
            return
        for k, v in value.items():
            if not isinstance(k, str):
                errors.append(f"{path}: key {k!r} is not a string")
            _walk(v, inner, f"{path}.{k}", errors)
        return
    model = getattr(kc, type_name, None)
    if model is None or not hasattr(model, "openapi_types"):
        errors.append(f"{path}: the schema names an unknown type {type_name}")
        return
    _walk_model(value, model, path, errors)


def _walk_model(value, model, path, errors):
    if not isinstance(value, dict):
        errors.append(f"{path}: expected a {model.__name__} (a map), got {type(value).__name__}")
        return
    by_json = {json: attr for attr, json in model.attribute_map.items()}
    prefix = f"{path}." if path else ""
    for key, v in value.items():
        attr = by_json.get(key)
        if attr is None:
            errors.append(f"{prefix}{key}: unknown field (a {model.__name__} has {', '.join(sorted(by_json))})")
            continue
        if v is None:
            continue  # null is absent, as for the API server
        _walk(v, model.openapi_types[attr], f"{prefix}{key}", errors)
    for attr in _required(model):
        if value.get(model.attribute_map[attr]) is None:
            errors.append(f"{prefix}{model.attribute_map[attr]}: required field missing")


def check(doc):
    """The errors of one manifest (a parsed YAML document), each naming a path; [] when valid."""
    if not isinstance(doc, dict):
        return [f"a manifest must be a map, got {type(doc).__name__}"]
    model = model_for(doc.get("apiVersion"), doc.get("kind"))
    if isinstance(model, str):
        return [model]
    errors = []
    _walk_model(doc, model, "", errors)
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name"):
        errors.append("metadata.name: required field missing")  # the server requires it; the model does not
    return errors
