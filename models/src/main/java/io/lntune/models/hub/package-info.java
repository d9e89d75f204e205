/**
 * Where model names point: {@link io.lntune.models.hub.ModelLocator} turns a local path or a
 * Hugging Face model id ({@link io.lntune.models.hub.RepoId}) into a directory, reading the local
 * Hugging Face cache and never the network.
 */
package io.lntune.models.hub;
