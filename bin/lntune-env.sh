# Shared by bin/lntune and bin/lntune-jshell (sourced, with ROOT set): the environment and the build.

# OpenMP threads that spin while idle starve OpenBLAS's own threads, which run fp32 matrix products:
# PASSIVE makes an fp32 LLaMA layer 5x faster on CPU. Both must be set before the JVM starts.
# With bf16 weights (oneDNN) ACTIVE can be faster on an idle machine, but on a shared one the spinning threads
# lose their cores: lntune bench on `small` took 3.5 s per LAYERNORM step with ACTIVE against 1.9 s with PASSIVE.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# PASSIVE puts an idle thread to sleep at once, so every parallel region of a step starts by waking it. Spinning first
# made a bf16 `small` LAYERNORM step faster: 567 -> 533 ms with GOMP_SPINCOUNT=30000 (about 0.6 ms here), 518 -> 497 ms
# from 30000 to 300000 (libgomp's own spin when no wait policy is set), medians of alternated runs; `lntune demo` took
# 187, 165 and 148 s. But it made loading a 1 GiB checkpoint slower (162-204 -> 201-219 ms at 30000). So bin/lntune
# spins for the commands that train (lntune_training_spin), where a run's steps outweigh a one-off load, and nowhere
# else; see docs/LIBTORCH.md ("Threads").
LNTUNE_TRAINING_SPINCOUNT=300000
lntune_training_spin() {
  case "${1:-}" in
    train|demo|bench-step) export GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-$LNTUNE_TRAINING_SPINCOUNT}" ;;
  esac
}
# One thread per CPU this process may run on (nproc honours affinity and cpusets) for ATen's OpenMP pool.
LNTUNE_CPUS="$(nproc 2>/dev/null || echo 1)"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$LNTUNE_CPUS}"
# One OpenBLAS thread: ATen calls OpenBLAS from inside its own OpenMP regions (CPU attention multiplies its blocks
# with sgemm on every OpenMP thread), where a threaded OpenBLAS oversubscribes the cores and, when another process
# holds one, stalls. On 2 shared cores a bf16 `small` LAYERNORM step took 2.1 s with 1 OpenBLAS thread and 3.0 to
# 80 s with 2. bf16 matrix products run in oneDNN on ATen's threads either way; large fp32 products lose
# OpenBLAS's threads: set OPENBLAS_NUM_THREADS for an fp32 model on an idle machine.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
# glibc hands every freed block above its mmap threshold back to the kernel, and trims the heap's top, so each step's
# tensors fault freshly zeroed pages back in. Keeping freed memory for reuse (a threshold of 32 MiB, glibc's largest,
# and no trimming) took a bf16 `small` LAYERNORM run of 14 steps from 36.8-37.4 s user + 7.4-7.9 s system CPU time
# to 29.9-33.2 s + 3.6-4.0 s; the resident set then stays at the largest step's. Setting the trim threshold without
# the mmap threshold is far worse than either (63 s + 32 s): set both or neither.
if [ -z "${MALLOC_MMAP_THRESHOLD_:-}" ] && [ -z "${MALLOC_TRIM_THRESHOLD_:-}" ]; then
  export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_="${MALLOC_TOP_PAD_:-268435456}"
fi
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
    # Javadoc and the documentation checks are the build's business (mvn verify), not the launcher's.
    (cd "$ROOT" && mvn -B -q -Dstyle.color=never -DskipTests -Dmaven.javadoc.skip=true -Dcheckstyle.skip=true \
      -pl tools -am package) >&2
  fi
  LNTUNE_CLASSPATH="$ROOT/tools/target/classes:$(cat "$LNTUNE_CLASSPATH_FILE")"
}
