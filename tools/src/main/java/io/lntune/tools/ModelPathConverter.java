package io.lntune.tools;

import io.lntune.models.hub.ModelLocator;
import io.lntune.models.hub.ModelNotFoundException;
import io.lntune.models.hub.RepoId;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads the options that name a model ({@code --model}, {@code --vision-tower}, {@code
 * --tokenizer}): a local path as given, or a Hugging Face model id ({@code
 * openai/clip-vit-large-patch14-336}, {@code org/name@revision}) that is no local path, looked up
 * in the local Hugging Face cache ({@link ModelLocator}; nothing is downloaded).
 */
final class ModelPathConverter implements ITypeConverter<Path> {
  @Override
  public Path convert(String value) {
    if (RepoId.parse(value).isEmpty()) {
      return Path.of(value); // a path: the command names it if it does not exist
    }
    try {
      return ModelLocator.fromEnvironment().locate(value);
    } catch (ModelNotFoundException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
