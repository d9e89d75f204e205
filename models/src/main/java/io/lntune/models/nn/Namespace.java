package io.lntune.models.nn;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;

/**
 * A module that only groups children under a name ({@code model}, {@code layers}, {@code encoder}),
 * so that parameter names follow the checkpoint's. It keeps its children strongly reachable from
 * Java: a module created in Java is backed by a native object that calls back into its Java peer
 * for virtual methods such as {@code train()}, and if the peer has been garbage-collected that call
 * fails. Keep the namespace itself in a field of its owner (or add it to another namespace).
 *
 * <pre>{@code
 * Namespace model = register_module("model", new Namespace("LlamaDecoder"));
 * Namespace layers = model.add("layers", new Namespace("Layers"));
 * layers.add("0", new LlamaDecoderLayer(config, placement));
 * }</pre>
 */
public class Namespace extends Module {
  private final List<Module> children = new ArrayList<>();

  public Namespace(String type) {
    super(type);
  }

  /**
   * Registers {@code child} under {@code name} and keeps it reachable.
   *
   * @param <M> the child's type
   * @param name the child's name, a segment of its parameters' names
   * @param child the module to register
   * @return {@code child}
   */
  public <M extends Module> M add(String name, M child) {
    children.add(register_module(name, child));
    return child;
  }
}
