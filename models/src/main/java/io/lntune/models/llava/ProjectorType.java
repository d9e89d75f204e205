package io.lntune.models.llava;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vision-language connector by LLaVA's {@code mm_projector_type} name: {@code linear} (LLaVA v1,
 * one {@code nn.Linear}) or {@code mlpNx_gelu} (an {@code nn.Sequential} of N linears with GELU
 * between them; LLaVA-1.5 uses {@code mlp2x_gelu}).
 *
 * <pre>{@code
 * ProjectorType t = ProjectorType.parse("mlp2x_gelu");   // t.linears() == 2, t.sequential() == true
 * ProjectorType v1 = ProjectorType.linear();
 * }</pre>
 *
 * @param name LLaVA's name
 */
public record ProjectorType(String name) {
  private static final Pattern MLP = Pattern.compile("mlp([1-9][0-9]*)x_gelu");

  /**
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  public ProjectorType {
    Objects.requireNonNull(name, "name");
    if (!name.equals("linear") && !MLP.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "unsupported projector type '"
              + name
              + "': expected linear or mlpNx_gelu (N >= 1, e.g. mlp2x_gelu)");
    }
  }

  /**
   * Parses LLaVA's name, ignoring surrounding blanks. @throws IllegalArgumentException if
   * unsupported
   */
  public static ProjectorType parse(String name) {
    return new ProjectorType(name.strip());
  }

  /** {@return LLaVA v1's single linear layer} */
  public static ProjectorType linear() {
    return new ProjectorType("linear");
  }

  /** {@return {@code depth} linears with GELU between them ({@code mlp<depth>x_gelu})} */
  public static ProjectorType mlpGelu(int depth) {
    return new ProjectorType("mlp" + depth + "x_gelu");
  }

  /** {@return the number of linear layers} */
  public int linears() {
    Matcher m = MLP.matcher(name);
    return m.matches() ? Integer.parseInt(m.group(1)) : 1;
  }

  /**
   * {@return whether the layers are numbered as in an {@code nn.Sequential} ({@code 0.weight},
   * {@code 2.weight}, ...) rather than being one bare linear ({@code weight})}
   */
  public boolean sequential() {
    return !name.equals("linear");
  }

  @Override
  public String toString() {
    return name;
  }
}
