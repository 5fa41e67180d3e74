/* hdf5_vfd.h - libhdf5 reading a preview source by budgeted ranged reads (ui/preview/ only). */
#ifndef VDS_HDF5_VFD_H
#define VDS_HDF5_VFD_H

#include <hdf5.h>

#include "pv.h"

/* Requests an HDF5 preview may make after the head. */
#define HDF5_REQUESTS 2

/* Opens the HDF5 file of S read-only through the driver; a negative id if it cannot. */
hid_t pv_hdf5_open(pv_src *s);
/* Whether a read was refused since the last open because the budget was spent. */
bool pv_hdf5_over_budget(void);

#endif
