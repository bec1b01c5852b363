#!/usr/bin/env bash
# core/deploy/k8s/ through Debian's kubectl: `kubectl apply --dry-run=client
# --validate=false -f core/deploy/k8s/`. There is no cluster: kubectl talks to
# kube-discovery.py on loopback (the API's discovery documents, 404 for every
# object), inside the test bed's private network namespace.
# Checked: every document parses, each apiVersion/kind maps to a resource
# kubectl knows, names and namespaces are set, and kubectl would create exactly
# the ConfigMap, the PVC and the two Jobs. Not checked: the server-side schema
# (no OpenAPI document, hence --validate=false), admission, scheduling, or a
# pod actually running (tests/integration/scale/scale_shards.sh runs the pods'
# own scripts).
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_tools kubectl
K8S=$TB_ROOT/core/deploy/k8s

tb_bg api "$TB_PY" "$TB_ROOT/tests/deploy/kube-discovery.py" "$TB_TMP/port" "$TB_TMP/requests"
for ((i = 0; i < 100; i++)); do
	[[ -s $TB_TMP/port ]] && break
	sleep 0.1
done
[[ -s $TB_TMP/port ]] || tb_fail "discovery double did not start: $(cat "$(tb_log api)")"
cat >"$TB_TMP/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: double
  cluster: {server: "http://127.0.0.1:$(cat "$TB_TMP/port")"}
users:
- name: nobody
  user: {}
contexts:
- name: double
  context: {cluster: double, user: nobody, namespace: default}
current-context: double
EOF
export KUBECONFIG=$TB_TMP/kubeconfig HOME=$TB_TMP

# kubectl_apply DIR OUT: the dry run; sets rc
kubectl_apply() {
	rc=0
	timeout 60 kubectl apply --dry-run=client --validate=false -f "$1" >"$2" 2>"$2.err" || rc=$?
}

kubectl_apply "$K8S" "$TB_TMP/out"
tb_assert_exit "kubectl apply --dry-run=client (stderr: $(head -3 "$TB_TMP/out.err"))" 0 "$rc"
sort "$TB_TMP/out" >"$TB_TMP/got"
cat >"$TB_TMP/want" <<'EOF'
configmap/dnsglean-input created (dry run)
job.batch/dnsglean-brute created (dry run)
job.batch/dnsglean-merge created (dry run)
persistentvolumeclaim/dnsglean-results created (dry run)
EOF
diff -u "$TB_TMP/want" "$TB_TMP/got" || tb_fail "kubectl would not create exactly the four objects"
# each object was looked up where it would live, and nothing was written
for p in /api/v1/namespaces/default/configmaps/dnsglean-input \
	/api/v1/namespaces/default/persistentvolumeclaims/dnsglean-results \
	/apis/batch/v1/namespaces/default/jobs/dnsglean-brute \
	/apis/batch/v1/namespaces/default/jobs/dnsglean-merge; do
	grep -qx "GET $p" "$TB_TMP/requests" || tb_fail "kubectl never looked up $p"
done
grep -qv '^GET ' "$TB_TMP/requests" && tb_fail "kubectl wrote to the API: $(grep -v '^GET ' "$TB_TMP/requests")"
echo "ok: kubectl maps and would create the 4 objects of core/deploy/k8s/"

# the check can fail: a kind the API does not serve, and broken YAML
mkdir "$TB_TMP/bad1" "$TB_TMP/bad2"
sed 's/^kind: Job$/kind: Jobs/' "$K8S/merge-job.yaml" >"$TB_TMP/bad1/merge-job.yaml"
kubectl_apply "$TB_TMP/bad1" "$TB_TMP/bad1.out"
((rc != 0)) || tb_fail "kubectl accepted kind Jobs"
grep -q 'Jobs' "$TB_TMP/bad1.out.err" || tb_fail "no message naming the kind: $(cat "$TB_TMP/bad1.out.err")"
sed 's/^  completions: 4$/  completions: [4/' "$K8S/brute-indexed-job.yaml" >"$TB_TMP/bad2/job.yaml"
kubectl_apply "$TB_TMP/bad2" "$TB_TMP/bad2.out"
((rc != 0)) || tb_fail "kubectl accepted broken YAML"
echo "ok: an unknown kind and broken YAML are refused"
echo PASS
