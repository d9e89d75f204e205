package io.lntune.training.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The scalars of a training checkpoint ({@code state.json}); its tensors are in {@code
 * checkpoint.safetensors}.
 *
 * @param step optimizer steps completed
 * @param microBatchesConsumed micro-batches read from the data so far (where a resumed run
 *     continues)
 * @param config the run's resolved configuration, as written by whoever started it
 */
public record CheckpointState(long step, long microBatchesConsumed, JsonNode config) {}
