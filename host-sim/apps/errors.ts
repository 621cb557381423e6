/** A problem with the app asked for, found before anything starts (printed as `mcdsm: <message>`). */
import { SpecError } from '../sim/link-model.js';

export class AppError extends SpecError {
  override name = 'AppError';
}
