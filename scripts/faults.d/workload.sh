# The writers' mix of write shapes and kinds of client, for the fault harnesses (scripts/faults,
# scripts/faults-cluster). Sourced; the caller sets WORKLOAD and CLIENT_KINDS (workload.py has the shapes and kinds).

SHAPES=(sadd script fcall setget multi lmove blmove)

# mix_of HOST_INDEX: the writer threads of one host (shape:client,...): every pair of the workload once, over the hosts.
mix_of() {
  local index=$1 i=0 shape kind mix=()
  if [ "$WORKLOAD" = sadd ]; then echo "sadd:anon,sadd:anon"; return; fi
  for shape in "${SHAPES[@]}"; do
    for kind in "${CLIENT_KINDS[@]}"; do
      [ $(( i % 3 )) -eq "$index" ] && mix+=("$shape:$kind")
      i=$(( i + 1 ))
    done
  done
  (IFS=,; echo "${mix[*]}")
}

# Every shape:client pair of the workload, for the checker's --kinds.
all_kinds() { local h; for h in 0 1 2; do mix_of "$h"; done | paste -sd, | tr ',' '\n' | sort -u | paste -sd,; }
