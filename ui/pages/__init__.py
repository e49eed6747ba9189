"""The app's pages, one module each; the only place besides app.py that imports Streamlit."""
