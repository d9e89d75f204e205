/**
 * Image files as the models see them: {@link io.lntune.models.image.ImageDecoder} reads JPEG and
 * PNG into 8-bit RGB the way PIL's {@code convert("RGB")} does, and {@link
 * io.lntune.models.image.RgbImage} holds the pixels with the geometry LLaVA's preprocessing uses
 * (pad to square, PIL-exact bicubic resize, crop).
 */
package io.lntune.models.image;
