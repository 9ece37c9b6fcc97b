/**
 * Azure Blob Storage for Quiver: {@link io.quiver.storage.azure.AzureBlobStorage} and its providers
 * for the {@code abfs}, {@code abfss} and {@code wasbs} schemes.
 */
package io.quiver.storage.azure;
