/** Default base URLs of Google Cloud APIs that flags name, apart from the clients so that checking the flags does not load them. */
export const DEFAULT_GRAFEAS_ENDPOINT = 'https://containeranalysis.googleapis.com';
export const DEFAULT_BINAUTHZ_ENDPOINT = 'https://binaryauthorization.googleapis.com';
export const DEFAULT_KMS_ENDPOINT = 'https://cloudkms.googleapis.com';
