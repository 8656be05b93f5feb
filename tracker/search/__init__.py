"""One search across the application: projects, organisations and participants."""
