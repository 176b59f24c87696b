"""Documents that leave the office as Word files (Decree 30/2020/NĐ-CP layout)."""
