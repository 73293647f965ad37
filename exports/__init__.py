"""File writers: Excel workbooks (openpyxl) and PDFs (reportlab). Never compute figures."""
