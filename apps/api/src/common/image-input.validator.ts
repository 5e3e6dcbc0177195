import { registerDecorator, ValidationOptions } from 'class-validator';

/** An image as JSON carries it (base64 or data URL string) or as multipart carries it (bytes). */
export function IsImageInput(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isImageInput',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be a base64 string, a data URL or an uploaded file`, ...options },
      validator: {
        validate: (value: unknown) => (typeof value === 'string' && value.trim().length > 0) || Buffer.isBuffer(value),
      },
    });
}
