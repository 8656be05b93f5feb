"""Moving in: workbook import (XLSX or CSV files) with a dry run, and the whole-database export."""
