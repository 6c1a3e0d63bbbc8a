// Stylesheets imported for their side effect (the builder injects them when the importing chunk loads).
declare module '*.css';
