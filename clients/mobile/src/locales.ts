// The app's texts, Chinese first; `en` has the same keys.
export const zh = {
  app: { title: 'CRM 外勤' },
};

export const en: typeof zh = {
  app: { title: 'CRM Field' },
};
