/** Default base URLs of Google Cloud APIs that flags name, apart from the clients so that checking the flags does not load them. */
export const DEFAULT_GRAFEAS_ENDPOINT = 'https://containeranalysis.googleapis.com';
