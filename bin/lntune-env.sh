# Shared by bin/lntune and bin/lntune-jshell (sourced, with ROOT set): the environment and the build.

# OpenMP threads that spin while idle starve OpenBLAS's own threads, which run fp32 matrix products:
# PASSIVE makes an fp32 LLaMA layer 5x faster on CPU. Both must be set before the JVM starts.
# With bf16 weights (oneDNN) ACTIVE can be faster on an idle machine, but on a shared one the spinning threads
# lose their cores: lntune bench on `small` took 3.5 s per LAYERNORM step with ACTIVE against 1.9 s with PASSIVE.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# One thread per CPU this process may run on (nproc honours affinity and cpusets), for ATen's OpenMP pool and for
# OpenBLAS, which otherwise counts the host's CPUs and oversubscribes a container.
LNTUNE_CPUS="$(nproc 2>/dev/null || echo 1)"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$LNTUNE_CPUS}"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-$LNTUNE_CPUS}"
# Weights live off-heap: JavaCPP's default limit (4 x heap) would refuse a 7B model.
LNTUNE_JVM_OPTS="-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"

LNTUNE_CLASSPATH_FILE="$ROOT/tools/target/classpath.txt"

# Builds the CLI and its dependencies when the class path is missing or any source or pom is newer.
lntune_ensure_built() {
  local stale=""
  if [ ! -f "$LNTUNE_CLASSPATH_FILE" ] || [ ! -d "$ROOT/tools/target/classes" ]; then
    stale="first use"
  elif [ -n "$(find "$ROOT" -path "$ROOT/.git" -prune -o \( -name pom.xml -o -path '*/src/main/*' \) \
      -newer "$LNTUNE_CLASSPATH_FILE" -print -quit)" ]; then
    stale="sources changed"
  fi
  if [ -n "$stale" ]; then
    echo "lntune: building ($stale; the first build downloads libtorch from Maven Central)..." >&2
    (cd "$ROOT" && mvn -B -q -Dstyle.color=never -DskipTests -pl tools -am package) >&2
  fi
  LNTUNE_CLASSPATH="$ROOT/tools/target/classes:$(cat "$LNTUNE_CLASSPATH_FILE")"
}
